// The "Queues" link (BullMQ dashboard), for owner keys only. The dashboard is a page of its own
// that reads the same sign-in cookie as the console, so the link is a plain link.

const link = () => document.getElementById("queues-link");

/** Shows the link when the signed-in key is an owner key. */
export function showQueuesLinkIfOwner(owner: boolean): void {
  const el = link();
  if (el) el.hidden = !owner;
}

/** On sign-out. */
export function hideQueuesLink(): void {
  const el = link();
  if (el) el.hidden = true;
}
