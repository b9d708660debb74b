// One-day-ahead forecasts of US daily births (1969-1988): a GRU trained on 1969-1987 against
// the seasonal-naive forecast (the same weekday a week earlier) on every day of 1988.
// Run: node examples/births_forecast.js [epochs]
'use strict';
const my = require('..');

(async () => {
  const epochs = Number(process.argv[2] || 20);
  const r = await my.train.seqRecipes.trainBirthsForecast({ epochs, seed: 0 });
  console.log(r.summary);
})().catch((e) => { console.error(e.message); process.exit(1); });
