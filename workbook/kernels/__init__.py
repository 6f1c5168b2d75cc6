"""Cheap kernels for the app: a kernel provisioner that forks kernels from a warm process.

A page's kernel used to start cold: about 1.75 CPU-seconds of imports (ipykernel, pandas,
SQLAlchemy, the workbook) and the framework file before the page could run, and about 130 MiB
of private memory. :mod:`.zygote` is a process that has done that work once; the
:class:`~.provisioner.ForkingProvisioner` (jupyter_client's documented extension point) asks it
for a fork instead of starting ``python -m ipykernel_launcher``. A forked kernel is ready in about
0.1 s of CPU and shares the zygote's memory until it writes to it. Whenever a fork is not
possible the kernel starts the normal way. ``workbook serve`` selects it (``--no-fork`` to
switch it off); see ``docs/deployment.md`` for the measurements and the failure modes.

Nothing here is imported by the pages: the server imports :mod:`.provisioner`, the zygote runs
:mod:`.zygote`.
"""
