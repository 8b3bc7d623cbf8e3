/** Server-rendered SVG charts (hono/jsx, no client script). See docs/ARCHITECTURE.md, "Charts". */
export { BarChart, type Bar, type BarChartProps } from "./bar-chart";
export { Heatmap, type HeatCell, type HeatmapProps } from "./heatmap";
export { Legend, LineChart, type LineChartProps, type LineSeries } from "./line-chart";
export { formatDayLong, formatDayShort, formatNumber, formatTick, niceTicks } from "./scale";
