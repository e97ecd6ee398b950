import 'aws-sdk-client-mock-jest';

process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
