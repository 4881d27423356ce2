// Photos from a phone: made smaller in the browser before they are sent (long side
// 1600 px, JPEG at 0.8, turned upright from their EXIF orientation), then sent with a
// progress bar. A 3 MB phone photo becomes about 300 KB: seconds instead of a minute on
// a slow mobile connection. The server checks and re-encodes whatever arrives
// (banyan/common/images.py), so this file only saves time; without it, or in a browser
// that lacks what it needs, the form posts as a plain form.
//
// The form is sent with XMLHttpRequest, for its upload progress. The header
// X-Banyan-Upload asks the server to answer a redirect with 204 and X-Banyan-Location
// (banyan.common.middleware.UploadRedirectMiddleware), and the script goes there; a
// form with errors comes back as a page, whose <main> replaces this one's.
(() => {
  "use strict";

  const LONG_SIDE = 1600;
  const QUALITY = 0.8;
  const text = (document.currentScript && document.currentScript.dataset) || {};
  const able =
    typeof window.createImageBitmap === "function" &&
    typeof window.FormData === "function" &&
    typeof window.DOMParser === "function" &&
    typeof HTMLCanvasElement.prototype.toBlob === "function";

  // The smaller photo, or the file as it is when it cannot be made smaller here (a
  // format the browser cannot decode: the server will say so).
  async function shrink(file) {
    if (!file.type.startsWith("image/") || file.type === "image/gif") return file;
    let bitmap;
    try {
      bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch (error) {
      return file;
    }
    const scale = Math.min(1, LONG_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    const context = canvas.getContext("2d");
    context.fillStyle = "#fff"; // a transparent screenshot turns white, as on the server
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.imageSmoothingQuality = "high";
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
    canvas.width = canvas.height = 0; // let a phone free the pixels now
    if (!blob || (scale === 1 && blob.size >= file.size)) return file;
    return new File([blob], "photo.jpg", { type: "image/jpeg" });
  }

  // The progress line under the form's buttons, made on first use.
  function statusOf(form) {
    let box = form.querySelector(".upload-status");
    if (!box) {
      box = document.createElement("div");
      box.className = "upload-status";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      box.innerHTML = '<progress max="100"></progress><span></span>';
      form.append(box);
    }
    const bar = box.querySelector("progress");
    const label = box.querySelector("span");
    return {
      say(words, percent) {
        box.classList.remove("failed");
        if (percent === undefined) bar.removeAttribute("value");
        else bar.value = percent;
        label.textContent = percent === undefined ? words : `${words} ${percent}%`;
      },
      fail(words) {
        box.classList.add("failed");
        bar.removeAttribute("value");
        label.textContent = words;
      },
    };
  }

  function showPage(html, url) {
    const page = new DOMParser().parseFromString(html, "text/html");
    const main = page.querySelector("main");
    if (!main) return false;
    document.title = page.title;
    document.querySelector("main").replaceWith(document.adoptNode(main));
    if (url && url !== window.location.href) window.history.replaceState(null, "", url);
    window.scrollTo(0, 0);
    return true;
  }

  async function send(form, inputs, submitter) {
    const buttons = form.querySelectorAll("button[type=submit], input[type=submit]");
    const status = statusOf(form);
    const failed = (words) => {
      buttons.forEach((b) => (b.disabled = false));
      delete form.dataset.sending;
      status.fail(words || text.failed);
    };
    form.dataset.sending = "1";
    buttons.forEach((b) => (b.disabled = true));
    status.say(text.preparing);

    const data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    for (const input of inputs) {
      data.delete(input.name);
      for (const file of input.files) {
        const small = await shrink(file);
        data.append(input.name, small, small === file ? file.name : "photo.jpg");
      }
    }

    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("X-Banyan-Upload", "1");
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) {
        status.say(text.sending, Math.floor((100 * event.loaded) / event.total));
      }
    });
    request.upload.addEventListener("load", () => status.say(text.saving));
    request.addEventListener("load", () => {
      const next = request.getResponseHeader("X-Banyan-Location");
      if (next) {
        window.location.assign(next);
      } else if (!showPage(request.responseText, request.responseURL)) {
        failed(`${text.failed} (${request.status})`);
      }
    });
    request.addEventListener("error", () => failed());
    request.addEventListener("abort", () => failed());
    request.send(data);
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!able || !(form instanceof HTMLFormElement) || event.defaultPrevented) return;
    if (form.method !== "post" || form.enctype !== "multipart/form-data") return;
    const inputs = [...form.querySelectorAll("input[type=file]")].filter(
      (input) => input.files.length && (input.accept || "").includes("image"),
    );
    if (!inputs.length) return; // no photo chosen: the plain form is quick enough
    event.preventDefault();
    if (form.dataset.sending) return; // a second tap while the first is on its way
    send(form, inputs, event.submitter).catch(() => {
      // Something this browser could not do before sending: the plain form does it all.
      delete form.dataset.sending;
      HTMLFormElement.prototype.submit.call(form);
    });
  });
})();
