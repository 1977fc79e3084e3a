// Puppeteer must not download its own browser (the network is closed here);
// the tests drive Debian's Chromium at /usr/bin/chromium or $CHROMIUM_PATH.
module.exports = { skipDownload: true };
