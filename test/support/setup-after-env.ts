import 'aws-sdk-client-mock-jest';
import { setLogLevel } from '#shared/logger.js';

setLogLevel('SILENT');
