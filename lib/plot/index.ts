export { figure, type Figure, type Trace, type Layout } from "./figure";
export {
  lineChart,
  trainingCurves,
  barChart,
  heatmap,
  confusionMatrixFigure,
  imageGrid,
  type Series,
  type GridImage,
} from "./charts";
export { figureHtml, figurePage, exportHtml, plotlyJs } from "./html";
export { show, showSvg, describeFigure } from "./display";
export { graphSvg, type GraphNode, type GraphEdge } from "./graph";
export { showGraph, valueGraph, valueGraphSvg } from "./value-graph";
export { exportPng, findChromium, withChromium } from "./png";
export { figureSvg, figureSize } from "./svg";
