// whatsapp-web.js pulls puppeteer; its install-time Chrome download cannot work offline.
// The system Chromium is used instead (CHROMIUM_PATH in config).
module.exports = { skipDownload: true };
