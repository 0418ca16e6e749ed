export { CHANGE_COLOURS, KIND_COLOURS, type ReportFile, type ReportOptions, renderReport } from "./render.js";
export { CHANGE_CHANGED, CHANGE_NAMES, CHANGE_OUTSIDE, CHANGE_SAME, type CellMap, DEFAULT_MAX_CELLS, changeMap, kindMap } from "./ram-map.js";
