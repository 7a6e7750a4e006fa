// A worker thread of groupJournal: groups its share of the journal files and answers with the
// partial report (see group.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { ReportBuilder } from './report.js';
import { scanFiles } from './scan.js';
import { taskFilter, taskReportOptions, type GroupAnswer, type GroupTask } from './group.js';

const task = workerData as GroupTask;
const builder = new ReportBuilder(taskReportOptions(task));
const stats = { unreadable: 0 };
await scanFiles(task.paths, taskFilter(task), (e, ms) => builder.add(e, ms), stats);
const answer: GroupAnswer = { partial: builder.partial(), unreadable: stats.unreadable };
parentPort!.postMessage(answer, answer.partial.groups.map((g) => g.ms.buffer as ArrayBuffer));
