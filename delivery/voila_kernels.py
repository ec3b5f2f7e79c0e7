"""What the slides server (:mod:`delivery.slides`) runs inside Voila: a cap on live kernels, and
pages that can shut their own kernel down.

Voila starts one kernel (about 220 MB for notebook 06) per page load. These settings free them,
all of them Voila's or jupyter_server's own (written into Voila's configuration by
:func:`delivery.slides.write_voila_config`):

* ``MappingKernelManager.cull_idle_timeout`` / ``cull_interval``: jupyter_server's culler shuts
  down a kernel that no page is connected to (``cull_connected`` stays off) once it has been idle
  that long: the kernels of pages that went away unheard, and of plain page loads that never
  connect;
* :func:`set_xsrf_cookie` (``VoilaConfiguration.prelaunch_hook``): a page going away asks Voila to
  shut its kernel down (``POST voila/api/shutdown/<kernel>``, sent with the page's ``_xsrf``
  cookie), but Voila 0.5.13 never sets that cookie, so jupyter_server refused every such request
  (403, voila issue #1458) and the kernel lived on. The hook sets the cookie with the page, and
  the request passes tornado's own XSRF check. Voila sends it on ``beforeunload``, which Chromium
  does not deliver when a tab is closed; the ``bmm-reveal`` template sends it again on
  ``pagehide`` (``delivery/voila_reveal/index.html.j2``);
* :class:`SlidesKernelManager` (``VoilaConfiguration.multi_kernel_manager_class``): at most
  ``max_kernels`` live kernels (voila issue #617 asks for this; Voila has no such setting). A page
  beyond the cap first lets the culler run once, then gets ``503`` naming the limit. A request to
  shut down a kernel that is gone or going already (the second of a page's two) does nothing.

Imported by the Voila process only (found through ``PYTHONPATH``); never by the notebooks.
"""

from __future__ import annotations

import uuid

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Integer


def set_xsrf_cookie(handler: web.RequestHandler, notebook: object = None, cwd: str | None = None) -> None:
    """Voila prelaunch hook: send the ``_xsrf`` cookie with the page (tornado sets it on first read)."""
    handler.xsrf_token  # noqa: B018 - reading the property is what sets the cookie


class SlidesKernelManager(AsyncMappingKernelManager):
    """jupyter_server's kernel manager with at most ``max_kernels`` kernels alive or starting."""

    max_kernels = Integer(0, config=True, help="Most kernels alive at once; 0 means no limit.")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._starting: set[str] = set()
        self._stopping: set[str] = set()

    def live_kernels(self) -> int:
        """Kernels running or being started, not counting those being shut down (a reloaded page's old one)."""
        return len((set(self.list_kernel_ids()) - self._stopping) | self._starting)

    async def start_kernel(self, *args, **kwargs) -> str:
        """Start a kernel unless ``max_kernels`` are alive after one pass of the idle culler (then HTTP 503)."""
        kernel_id = kwargs.get("kernel_id") or str(uuid.uuid4())
        if self.max_kernels > 0 and kernel_id not in self:
            if self.live_kernels() >= self.max_kernels:
                await self.cull_kernels()
            if self.live_kernels() >= self.max_kernels:
                wait = self.cull_idle_timeout + self.cull_interval
                message = (f"This server already runs {self.live_kernels()} kernels, one per open page, and that is its "
                           f"limit (max_kernels={self.max_kernels}). Close a page you no longer need, then reload this "
                           f"one; the kernel of a page closed without saying so is freed within {wait} s.")
                self.log.warning(message)
                raise web.HTTPError(503, message, reason="Too many live kernels")
        self._starting.add(kernel_id)
        try:
            return await super().start_kernel(*args, **{**kwargs, "kernel_id": kernel_id})
        finally:
            self._starting.discard(kernel_id)

    async def shutdown_kernel(self, kernel_id: str, *args, **kwargs) -> None:
        """Shut ``kernel_id`` down; nothing to do (and no error) if it is gone or going already."""
        if kernel_id not in self or kernel_id in self._stopping:
            return
        self._stopping.add(kernel_id)
        try:
            await super().shutdown_kernel(kernel_id, *args, **kwargs)
        finally:
            self._stopping.discard(kernel_id)
