"""GET /lighter/jobs/kernel.py: the session kernel, for Spark images that fetch their main file."""

from fastapi import APIRouter
from fastapi.responses import FileResponse
from lighter_common.kernel import KERNEL_PATH

router = APIRouter(prefix="/lighter/jobs", tags=["sessions"])


@router.get("/kernel.py")
async def kernel_file() -> FileResponse:
    return FileResponse(KERNEL_PATH, media_type="text/x-python", filename="kernel.py")
