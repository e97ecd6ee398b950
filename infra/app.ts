#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildApp } from './build.js';

const app = new App();
buildApp(app);
app.synth();
