/**
 * A function's dependencies, typed from its catalog entry: the stores of the tables it is granted
 * and the queues it may send to. A use case needing more does not type-check in that function's
 * app.
 */
import type { Deps, StoresIn } from '#shared/deps.js';
import type { TableKey } from '#shared/adapters/dynamo/tables.js';
import type { FUNCTIONS, FunctionName } from './catalog.js';

type Spec<N extends FunctionName> = (typeof FUNCTIONS)[N];
export type TablesOf<N extends FunctionName> = Extract<keyof Spec<N>['tables'], TableKey>;
export type QueuesOf<N extends FunctionName> = Spec<N>['sends'][number];

export type FunctionDeps<N extends FunctionName> = Deps<StoresIn<TablesOf<N>>, QueuesOf<N>>;
