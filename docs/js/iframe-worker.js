// Search from the file system (README: open site/index.html). Browsers refuse `new Worker("file://...")`, so
// there Material's search worker runs in a hidden iframe instead, with the index the offline plugin writes as a
// script (search/search_index.js). This is the site's own stand-in for the iframe-worker shim that the offline
// plugin would otherwise load from unpkg.com: viewing the site fetches nothing (mkdocs.yml, extra.polyfills).
(() => {
  if (location.protocol !== "file:") return;

  class IFrameWorker extends EventTarget {
    constructor(url) {
      super();
      this.waiting = [];  // messages posted before the script has loaded
      this.ready = false;
      this.frame = document.createElement("iframe");
      this.frame.hidden = true;
      (document.body || document.documentElement).appendChild(this.frame);
      const scope = this.frame.contentWindow;
      // what the worker's script posts comes out of this object, later, as from a real worker
      scope.postMessage = (data) => setTimeout(() => this.dispatchEvent(new MessageEvent("message", { data })));
      const script = scope.document.createElement("script");
      script.src = url;
      script.onload = () => {
        this.ready = true;
        this.waiting.splice(0).forEach((data) => this.deliver(data));
      };
      this.scope = scope;
      scope.document.body.appendChild(script);
    }

    deliver(data) {
      setTimeout(() => this.scope.dispatchEvent(new this.scope.MessageEvent("message", { data })));
    }

    postMessage(data) {
      if (this.ready) this.deliver(data);
      else this.waiting.push(data);
    }

    terminate() {
      this.frame.remove();
    }
  }

  window.IFrameWorker = IFrameWorker;  // Material's worker looks for this name to find its lunr files
  window.Worker = IFrameWorker;
})();
