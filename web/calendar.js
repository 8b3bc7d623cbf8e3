// Drag-and-drop rescheduling on the calendar: dropping a scheduled item on a day posts the move
// with htmx (which adds the CSRF header from the page) and swaps in the redrawn calendar.
document.addEventListener("dragstart", (event) => {
  const item = event.target.closest?.("[data-content-id][draggable]");
  if (item) event.dataTransfer.setData("text/plain", item.dataset.contentId);
});
document.addEventListener("dragover", (event) => {
  if (event.target.closest?.("#calendar [data-day]")) event.preventDefault();
});
document.addEventListener("drop", (event) => {
  const cell = event.target.closest?.("#calendar [data-day]");
  const contentId = event.dataTransfer.getData("text/plain");
  if (!cell || !contentId) return;
  event.preventDefault();
  const calendar = cell.closest("#calendar");
  htmx.ajax("POST", calendar.dataset.moveUrl, {
    source: cell,
    target: "#calendar",
    swap: "outerHTML",
    values: { contentId, day: cell.dataset.day, view: calendar.dataset.view, date: calendar.dataset.date },
  });
});
