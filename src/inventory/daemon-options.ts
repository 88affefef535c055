/**
 * Option names the passthrough maps of the inventory's `vars` may set. They are rendered
 * as `key: value` (corosync.conf) or `key value;` (DRBD) lines, so a key that is not an
 * option name (or holds a newline, a brace or a `;`) would open sections or add
 * directives: keys come from these lists, taken from the daemons' own sources.
 *
 * - corosync: the `totem` options of corosync.conf(5) (man/corosync.conf.5 of corosync
 *   3.1, plus `nodeid` and `threads` that exec/coroparse.c still accepts) and the `quorum`
 *   options of votequorum(5) plus coroparse.c's `votes` and `leaving_timeout`; `provider`
 *   is hactl's (corosync_votequorum). Subsections (`interface { }`) are not passthrough.
 * - DRBD: the union of drbd-utils' CHANGEABLE_DISK_OPTIONS / CHANGEABLE_NET_OPTIONS of 8.4
 *   (user/v84/config_flags.c) and 9 (user/v9/config_flags.c, with the immutable net
 *   options `transport` and `load-balance-paths`); hactl renders 8.4 syntax, read by both.
 */

export const COROSYNC_TOTEM_OPTIONS = [
  'version', 'clear_node_high_bit', 'crypto_model', 'crypto_hash', 'crypto_cipher', 'secauth', 'keyfile', 'key', 'link_mode',
  'netmtu', 'transport', 'cluster_name', 'config_version', 'ip_version', 'ip_dscp', 'token', 'token_warning', 'token_coefficient',
  'token_retransmit', 'knet_compression_model', 'knet_compression_threshold', 'knet_compression_level', 'hold',
  'token_retransmits_before_loss_const', 'join', 'send_join', 'consensus', 'merge', 'downcheck', 'fail_recv_const',
  'seqno_unchanged_const', 'heartbeat_failures_allowed', 'max_network_delay', 'window_size', 'max_messages', 'miss_count_const',
  'knet_pmtud_interval', 'knet_mtu', 'block_unlisted_ips', 'cancel_token_hold_on_retransmit', 'nodeid', 'threads',
] as const;

export const COROSYNC_QUORUM_OPTIONS = [
  'expected_votes', 'votes', 'two_node', 'wait_for_all', 'last_man_standing', 'last_man_standing_window', 'auto_tie_breaker',
  'auto_tie_breaker_node', 'allow_downscale', 'expected_votes_tracking', 'leaving_timeout',
] as const;

export const DRBD_DISK_OPTIONS = [
  'on-io-error', 'fencing', 'disk-barrier', 'disk-flushes', 'disk-drain', 'md-flushes', 'resync-rate', 'resync-after', 'al-extents',
  'al-updates', 'discard-zeroes-if-aligned', 'disable-write-same', 'c-plan-ahead', 'c-delay-target', 'c-fill-target', 'c-max-rate',
  'c-min-rate', 'disk-timeout', 'read-balancing', 'rs-discard-granularity', 'bitmap',
] as const;

export const DRBD_NET_OPTIONS = [
  'protocol', 'timeout', 'max-epoch-size', 'max-buffers', 'unplug-watermark', 'connect-int', 'ping-int', 'sndbuf-size', 'rcvbuf-size',
  'ko-count', 'allow-two-primaries', 'cram-hmac-alg', 'shared-secret', 'after-sb-0pri', 'after-sb-1pri', 'after-sb-2pri',
  'always-asbp', 'rr-conflict', 'ping-timeout', 'data-integrity-alg', 'tcp-cork', 'on-congestion', 'congestion-fill',
  'congestion-extents', 'csums-alg', 'csums-after-crash-only', 'verify-alg', 'use-rle', 'socket-check-timeout', 'allow-remote-read',
  'transport', 'load-balance-paths', 'tls', 'tls-keyring', 'tls-privkey', 'tls-certificate', 'rdma-ctrl-rcvbuf-size',
  'rdma-ctrl-sndbuf-size',
] as const;
