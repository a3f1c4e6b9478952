// Direct file paths only: tslab resolves "<path>.js", not directory imports.
export { Value, type Scalar } from "./value";
export { assignmentExpression, assignmentExpressionNumber, assignmentExpressionGradient } from "./expression";
