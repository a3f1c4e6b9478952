export { Value } from "./value";
export { assignmentExpression, assignmentExpressionNumber, assignmentExpressionGradient } from "./expression";
