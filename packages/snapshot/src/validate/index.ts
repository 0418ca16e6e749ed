export { type Problem, type ValidationReport, type ValidateOptions, validateFile, problemOfError, reasonOf } from "./validate-file.js";
