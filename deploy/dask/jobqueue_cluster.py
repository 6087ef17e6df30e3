"""A Dask cluster on SLURM or LSF for fileglancer-ext's conversions, with dask-jobqueue.

    pip install dask-jobqueue            # next to fileglancer-ext[dask], not a dependency of it
    python jobqueue_cluster.py slurm --queue short --account mylab --jobs 4
    python jobqueue_cluster.py lsf --queue normal --project mylab --jobs 4
    python jobqueue_cluster.py slurm --dry-run   # print the batch script, submit nothing

It starts the Dask scheduler in this process (run it on a login node, or in a long-running
batch job of its own, somewhere the Jupyter servers and the compute nodes can both reach),
submits `--jobs` batch jobs that each start Dask workers, prints the scheduler's address, and
keeps the cluster until Ctrl-C. Put the address in the Jupyter server's configuration:

    c.FileglancerApp.dask_scheduler_address = "tcp://10.1.2.3:8786"

Every conversion job of that server then runs its region tasks on these workers. The workers
must import the same fileglancer-ext version (`--python` of the environment it is installed
in) and see the configured roots at the same paths (a shared file system), and they write the
output as the user whose batch jobs they are: run this as the user (or the service account)
whose files are converted. `--adapt` scales between 0 and `--jobs` jobs by load instead of
keeping them queued all the time.
"""

from __future__ import annotations

import argparse
import sys
import time


def make_cluster(args: argparse.Namespace):
    """A SLURMCluster or LSFCluster: one batch job = `--cores` single-threaded workers."""
    common = {
        "cores": args.cores,
        "processes": args.cores,  # one thread per worker: conversions hold the GIL in parts
        "memory": args.memory,
        # SLURM reads "04:00" as four minutes; LSF takes only HH:MM.
        "walltime": args.walltime or ("04:00:00" if args.system == "slurm" else "04:00"),
        "queue": args.queue,
        "python": args.python,
        "interface": args.interface,
        # A fixed port, so the address in the Jupyter configuration survives a restart.
        "scheduler_options": {"port": args.port, "dashboard_address": args.dashboard},
        "log_directory": args.log_directory,
    }
    if args.system == "slurm":
        from dask_jobqueue import SLURMCluster

        return SLURMCluster(account=args.account, **common)
    from dask_jobqueue import LSFCluster

    # LSF: memory reserved with -M and rusage in lsf_units; the script goes to bsub's stdin.
    return LSFCluster(project=args.account, use_stdin=True, lsf_units="MB", **common)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("system", choices=["slurm", "lsf"])
    parser.add_argument("--queue", default=None, help="partition (SLURM) or queue (LSF)")
    parser.add_argument(
        "--account", "--project", default=None, help="account (SLURM) or project (LSF)"
    )
    parser.add_argument("--jobs", type=int, default=2, help="batch jobs to keep (2)")
    parser.add_argument("--adapt", action="store_true", help="scale 0..--jobs by load")
    parser.add_argument("--cores", type=int, default=4, help="cores = workers per job (4)")
    parser.add_argument("--memory", default="16GB", help="memory per job (16GB)")
    parser.add_argument("--walltime", default=None, help="per job (4 hours)")
    parser.add_argument("--port", type=int, default=8786, help="scheduler port (8786)")
    parser.add_argument("--dashboard", default=":8787", help="dashboard address (:8787)")
    parser.add_argument("--interface", default=None, help="network interface, e.g. ib0")
    parser.add_argument(
        "--python", default=sys.executable, help="the workers' Python (default: this one)"
    )
    parser.add_argument("--log-directory", default=None, help="where the jobs' logs go")
    parser.add_argument("--dry-run", action="store_true", help="print the job script only")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with make_cluster(args) as cluster:
        if args.dry_run:
            print(cluster.job_script())
            return 0
        if args.adapt:
            cluster.adapt(minimum_jobs=0, maximum_jobs=args.jobs)
        else:
            cluster.scale(jobs=args.jobs)
        print(f'c.FileglancerApp.dask_scheduler_address = "{cluster.scheduler_address}"')
        print("Dashboard:", cluster.dashboard_link, "- Ctrl-C stops the cluster.", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
