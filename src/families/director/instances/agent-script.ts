/**
 * The shell programs bosun puts in every instance container (at /var/vcap/bosh/bin), playing the
 * BOSH agent's part with what any stemcell has: `sh`, `cat`, `kill`.
 *
 * Each job process is a script `/var/vcap/bosh/processes/<job>/<process>.sh`; a monit-style job
 * also names the pidfile its start program writes in `<process>.pidfile`.
 */

export const AGENT_PATH = '/var/vcap/bosh/bin/bosun-agent';
export const PROCESS_STATES_PATH = '/var/vcap/bosh/bin/process-states';
export const PROCESSES_DIR = 'var/vcap/bosh/processes';

/** PID 1 of an instance: starts every job process, logging under /var/vcap/sys/log/<job>, and stays up. */
export const AGENT_SCRIPT = `#!/bin/sh
run=/var/vcap/sys/run/bosun
mkdir -p "$run"
for f in /var/vcap/bosh/processes/*/*.sh; do
  [ -e "$f" ] || continue
  job=$(basename "$(dirname "$f")")
  name=$(basename "$f" .sh)
  mkdir -p "/var/vcap/sys/log/$job"
  sh "$f" >>"/var/vcap/sys/log/$job/$name.stdout.log" 2>>"/var/vcap/sys/log/$job/$name.stderr.log" &
  echo $! >"$run/$job.$name.pid"
done
stop() {
  for p in "$run"/*.pid; do [ -e "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
  exit 0
}
trap stop TERM INT
while :; do
  sleep 3600 &
  wait $!
done
`;

/** Prints `<process> running|failing` per job process: alive and not a zombie, by its pid file. */
export const PROCESS_STATES_SCRIPT = `#!/bin/sh
for f in /var/vcap/bosh/processes/*/*.sh; do
  [ -e "$f" ] || continue
  job=$(basename "$(dirname "$f")")
  name=$(basename "$f" .sh)
  pf="/var/vcap/sys/run/bosun/$job.$name.pid"
  [ -e "\${f%.sh}.pidfile" ] && pf=$(cat "\${f%.sh}.pidfile")
  pid=$(cat "$pf" 2>/dev/null)
  state=failing
  if [ -n "$pid" ] && [ -r "/proc/$pid/stat" ]; then
    case "$(cat "/proc/$pid/stat")" in
      *") Z "*) ;;
      *) state=running ;;
    esac
  fi
  echo "$name $state"
done
`;
