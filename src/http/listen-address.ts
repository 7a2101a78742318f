// How a listener's address is printed: a URL a human can paste (IPv6 hosts in brackets).
export function listenAddress(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
