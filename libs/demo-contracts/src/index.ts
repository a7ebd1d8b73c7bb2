export { getReadTimes, incrReadTimes } from './article-tasks.js';
