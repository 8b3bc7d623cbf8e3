/** The article the JavaScript-only test site (js-site.ts) renders into its page. */
export const ARTICLE = {
  title: "Night trains are back in Europe",
  byline: "Ana Ruiz",
  paragraphs: [
    "Sleeper services that disappeared a decade ago are running again between Paris, Berlin and Vienna, and most nights they are full.",
    "Operators say the demand comes from travellers who want to avoid short flights, and from families who find a cabin cheaper than a hotel and a plane ticket together.",
    "The new carriages have capsules for single travellers, showers in every coach and wide windows, and the timetables are built so that passengers arrive before the working day begins.",
    "Rail unions and climate groups welcome the return, but warn that track access charges still make a night train far more expensive to run than an evening flight on the same route.",
  ],
};
