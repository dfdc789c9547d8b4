// The CSRF token of the page (its meta tag), which every write of a studio script carries.
export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute('content') || '' : '';
}
