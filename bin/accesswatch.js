#!/usr/bin/env node
import '../dist/api/main.js';
