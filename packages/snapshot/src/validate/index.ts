export { type Problem, type ValidationReport, type ValidateOptions, validateFile, problemOfError } from "./validate-file.js";
