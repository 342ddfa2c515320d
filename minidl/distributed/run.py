"""``python -m minidl.distributed.run``: a small ``torchrun`` for minidl.

Starts ``--nproc_per_node`` copies of a script (or ``-m module``) on this machine with the
variables ``init_process_group(init_method="env://")`` reads (``RANK``, ``LOCAL_RANK``,
``WORLD_SIZE``, ``LOCAL_WORLD_SIZE``, ``GROUP_RANK``, ``MASTER_ADDR``, ``MASTER_PORT``), waits for
them, and when one fails stops the others and exits with its code::

    python -m minidl.distributed.run --nproc_per_node=2 train.py --epochs 3

Several machines: the same command on each with ``--nnodes``, ``--node_rank`` and
``--master_addr``/``--master_port`` of node 0. There is no elastic restart (``--max_restarts``
is accepted and ignored).
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time

__all__ = ["main", "parse_args"]


def _free_port():
    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


def parse_args(argv=None):
    """torchrun's command line (the subset minidl implements)."""
    p = argparse.ArgumentParser(prog="python -m minidl.distributed.run",
                                description="Start a script in several processes for minidl.distributed.")
    p.add_argument("--nproc_per_node", "--nproc-per-node", default="1",
                   help="processes on this machine (a number; 'cpu' or 'auto': the CPU count)")
    p.add_argument("--nnodes", default="1", help="machines (a number; 'N:N' accepted)")
    p.add_argument("--node_rank", "--node-rank", type=int, default=0)
    p.add_argument("--master_addr", "--master-addr", default="127.0.0.1")
    p.add_argument("--master_port", "--master-port", type=int, default=None,
                   help="rank 0's port (default 29500; a free one with --standalone)")
    p.add_argument("--standalone", action="store_true", help="one machine, on a free port")
    p.add_argument("--max_restarts", "--max-restarts", type=int, default=0, help="ignored")
    p.add_argument("--rdzv_backend", "--rdzv-backend", default="static", help="ignored")
    p.add_argument("--rdzv_endpoint", "--rdzv-endpoint", default="", help="HOST:PORT of rank 0")
    p.add_argument("-m", "--module", action="store_true", help="run the script as a module (python -m)")
    p.add_argument("--no_python", "--no-python", action="store_true", help="run the script as a program")
    p.add_argument("training_script")
    p.add_argument("training_script_args", nargs=argparse.REMAINDER)
    return p.parse_args(argv)


def _worker_env(args, nproc, nnodes, port, local_rank):
    env = dict(os.environ)
    env.update(RANK=str(args.node_rank * nproc + local_rank), LOCAL_RANK=str(local_rank),
               WORLD_SIZE=str(nnodes * nproc), LOCAL_WORLD_SIZE=str(nproc), GROUP_RANK=str(args.node_rank),
               ROLE_RANK=str(args.node_rank * nproc + local_rank), MASTER_ADDR=args.master_addr,
               MASTER_PORT=str(port))
    if nproc > 1 and "OMP_NUM_THREADS" not in os.environ:
        env["OMP_NUM_THREADS"] = "1"  # as torchrun: the processes share the cores
    return env


def main(argv=None) -> int:
    """Run the processes; returns the exit code (0, or the first failing process's)."""
    args = parse_args(argv)
    nproc = (os.cpu_count() or 1) if args.nproc_per_node in ("cpu", "auto") else int(args.nproc_per_node)
    nnodes = int(str(args.nnodes).split(":")[-1])
    if args.rdzv_endpoint:
        host, _, port_text = args.rdzv_endpoint.rpartition(":")
        args.master_addr, args.master_port = host or args.master_addr, int(port_text)
    port = args.master_port
    if port is None:
        port = _free_port() if args.standalone or nnodes == 1 else 29500
    if args.no_python:
        command = [args.training_script]
    elif args.module:
        command = [sys.executable, "-u", "-m", args.training_script]
    else:
        command = [sys.executable, "-u", args.training_script]
    command += args.training_script_args
    procs = [subprocess.Popen(command, env=_worker_env(args, nproc, nnodes, port, i)) for i in range(nproc)]
    failed = None
    try:
        while failed is None and any(p.poll() is None for p in procs):
            failed = next((i for i, p in enumerate(procs) if p.poll() not in (None, 0)), None)
            time.sleep(0.05)
        if failed is None:
            failed = next((i for i, p in enumerate(procs) if p.returncode != 0), None)
    except KeyboardInterrupt:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        failed = -1
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    if failed is None:
        return 0
    if failed < 0:
        return 130
    code = procs[failed].returncode
    rank = args.node_rank * nproc + failed
    sys.stderr.write(f"minidl.distributed.run: process of rank {rank} (local rank {failed}) failed with exit "
                     f"code {code}; the others were stopped\n")
    return code if code > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
