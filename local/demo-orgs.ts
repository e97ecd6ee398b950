import type { SimOrgSpec } from '#simulator/invoice-cloud.js';

/** The organisations the demo and `npm start` give the simulator. */
export const DEMO_ORGS: { orgId: string; sim: SimOrgSpec }[] = [
  {
    orgId: 'hz',
    sim: {
      taxNo: '91330100MA27XK1234',
      orgName: '杭州示例科技有限公司',
      clientId: 'client-hz',
      clientSecret: 'secret-hz',
      input: 2500,
      output: 300,
      phones: ['13800138000', '13900139000', '13600136000'],
    },
  },
  {
    orgId: 'sh',
    sim: {
      taxNo: '91310000MA1FL5678X',
      orgName: '上海示例贸易有限公司',
      clientId: 'client-sh',
      clientSecret: 'secret-sh',
      input: 1500,
      output: 200,
      phones: ['13700137000'],
    },
  },
  {
    orgId: 'gz',
    sim: {
      taxNo: '91440101MA5CXX0001',
      orgName: '广州示例物流有限公司',
      clientId: 'client-gz',
      clientSecret: 'secret-gz',
      input: 400,
      output: 0,
      phones: [],
    },
  },
];
