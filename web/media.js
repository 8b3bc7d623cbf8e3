// The media library's drop zone: dropped (or chosen) files are uploaded one by one with a progress
// bar, then the page reloads to show them. Without JavaScript the same form posts normally.
const zone = document.querySelector(".dropzone");
if (zone) {
  const input = zone.querySelector("input[type=file]");
  const progress = zone.querySelector("progress");
  const status = zone.querySelector(".upload-status");
  const csrf = zone.querySelector("input[name=_csrf]").value;

  const upload = (file) =>
    new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open("POST", zone.dataset.uploadUrl);
      request.setRequestHeader("X-CSRF-Token", csrf);
      request.setRequestHeader("HX-Request", "true");
      request.upload.onprogress = (e) => e.lengthComputable && (progress.value = Math.round((e.loaded / e.total) * 100));
      request.onload = () => (request.status < 400 ? resolve() : reject(new Error(new DOMParser().parseFromString(request.responseText, "text/html").body.textContent.trim())));
      request.onerror = () => reject(new Error("the connection failed"));
      const form = new FormData();
      form.append("file", file);
      request.send(form);
    });

  async function send(files) {
    // Dragging text or a link onto the zone drops no files.
    if (!files.length) return;
    progress.hidden = false;
    for (const [i, file] of [...files].entries()) {
      status.textContent = `Uploading ${file.name} (${i + 1} of ${files.length})…`;
      progress.value = 0;
      try {
        await upload(file);
      } catch (err) {
        status.textContent = `${file.name}: ${err.message}`;
        progress.hidden = true;
        return;
      }
    }
    window.location.reload();
  }

  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    send(e.dataTransfer.files);
  });
  zone.addEventListener("submit", (e) => {
    if (!input.files.length) return;
    e.preventDefault();
    send(input.files);
  });
}
