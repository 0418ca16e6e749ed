#!/usr/bin/env node
import "../dist/qber.mjs";
