// The web companion's upload queue, kept in IndexedDB: each answer photo (its compressed blob,
// upload_id, pairing and status) stays on the phone until the server accepted it (202), so a
// reload, a killed tab or a lost network loses nothing.
(function (global) {
  "use strict";

  const DB_NAME = "examcloud-web-companion";
  const STORE = "uploads";
  let opening = null;

  function open() {
    if (!opening) {
      opening = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = () => {
          const store = request.result.createObjectStore(STORE, { keyPath: "upload_id" });
          store.createIndex("pairing_id", "pairing_id");
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => { opening = null; reject(request.error); };
      });
    }
    return opening;
  }

  async function run(mode, action) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = action(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  const queue = {
    // One photo: { upload_id, pairing_id, blob, name, status, message, created }.
    put: (item) => run("readwrite", (store) => store.put(item)),
    remove: (uploadId) => run("readwrite", (store) => store.delete(uploadId)),
    get: (uploadId) => run("readonly", (store) => store.get(uploadId)),
    async forPairing(pairingId) {
      const items = await run("readonly", (store) => store.index("pairing_id").getAll(pairingId));
      return (items || []).sort((a, b) => a.created - b.created);
    },
    async update(uploadId, changes) {
      const item = await queue.get(uploadId);
      if (!item) return null;  // deleted meanwhile
      Object.assign(item, changes);
      await queue.put(item);
      return item;
    },
  };

  global.WebCompanion = Object.assign(global.WebCompanion || {}, { queue });
})(window);
