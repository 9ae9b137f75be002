/**
 * The chat JID of a recipient as the API takes it: a phone number (digits, optional `+`, spaces,
 * dashes, dots, parentheses) becomes `<digits>@s.whatsapp.net`; a JID is kept (a user JID without its
 * device part). Undefined when it is neither. The worker's socket reads recipients the same way.
 */
export function chatJidOf(to: string): string | undefined {
  const trimmed = to.trim();
  if (trimmed.includes('@')) {
    const [user = '', server = ''] = trimmed.split('@');
    if (!user || !server) return undefined;
    if (server === 'g.us') return /^\d+(-\d+)?$/.test(user) ? trimmed : undefined;
    if (server !== 's.whatsapp.net' && server !== 'c.us') return undefined;
    const digits = user.split(':')[0] ?? '';
    return /^\d{6,15}$/.test(digits) ? `${digits}@s.whatsapp.net` : undefined;
  }
  if (!/^\+?[0-9][0-9 ().-]{4,24}$/.test(trimmed)) return undefined;
  const digits = trimmed.replace(/\D/g, '');
  return digits.length >= 6 && digits.length <= 15 ? `${digits}@s.whatsapp.net` : undefined;
}
