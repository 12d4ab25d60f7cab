"""GET /lighter/jobs/kernel.py and /lighter/jobs/lighter-kernel.zip: the session kernel (its
main file and the zip of its package), for Spark images that fetch their main file."""

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse
from lighter_common.kernel import (
    KERNEL_ARCHIVE_MEDIA_TYPE,
    KERNEL_ARCHIVE_NAME,
    KERNEL_PATH,
    kernel_archive,
)

router = APIRouter(prefix="/lighter/jobs", tags=["sessions"])


@router.get("/kernel.py")
async def kernel_file() -> FileResponse:
    return FileResponse(KERNEL_PATH, media_type="text/x-python", filename="kernel.py")


@router.get(f"/{KERNEL_ARCHIVE_NAME}")
async def kernel_archive_file() -> Response:
    return Response(kernel_archive(), media_type=KERNEL_ARCHIVE_MEDIA_TYPE)
