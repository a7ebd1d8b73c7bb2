import { createHash } from 'node:crypto';
import { buildPage, dashboardPage, scriptOf } from './dashboard-page.js';

const hash = (text: string) => createHash('sha256').update(text).digest('base64');

describe('the dashboard page', () => {
  it('inlines the stylesheet and script and allows exactly those by hash', () => {
    const page = buildPage(
      '<head><!--dashboard.css--></head><body><!--dashboard.js--></body>',
      'body{color:red}',
      'console.log("$&")',
    );
    expect(page.html).toBe(
      '<head><style>body{color:red}</style></head><body><script>console.log("$&")</script></body>',
    );
    const policy = page.headers['content-security-policy'] ?? '';
    expect(policy).toContain(`style-src 'sha256-${hash('body{color:red}')}'`);
    expect(policy).toContain(`script-src 'sha256-${hash('console.log("$&")')}'`);
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("frame-ancestors 'none'");
  });

  it('joins the scripts in one strict function scope', () => {
    expect(scriptOf(['const a = 1;', 'use(a);'])).toBe(
      "'use strict';\n(() => {\nconst a = 1;\nuse(a);\n})();\n",
    );
  });

  it('ships its files', () => {
    const { html } = dashboardPage();
    expect(html).toContain('<title>Celeriac tasks</title>');
    expect(html).not.toContain('<!--dashboard.');
    expect(html).toMatch(/<style>[^]*--accent[^]*<\/style>/);
    expect(html).toMatch(/<script>[^]*EventSource[^]*<\/script>/);
  });
});
