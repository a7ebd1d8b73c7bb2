export { getReadTimes, incrReadTimes, indexArticle } from './article-tasks.js';
export { slugArgs } from './slug-schema.js';
