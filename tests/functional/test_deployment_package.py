"""`chalice package` builds a zip Lambda can run: templates and catalogs in, boto3 out."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def packaged_files(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    out = tmp_path_factory.mktemp("package")
    chalice = Path(sys.executable).with_name("chalice")
    subprocess.run(
        [str(chalice), "package", "--stage", "prod", str(out)],
        cwd=PROJECT_DIR, check=True, capture_output=True,
        env={**os.environ, "AWS_DEFAULT_REGION": "eu-central-1"},
    )
    with zipfile.ZipFile(out / "deployment.zip") as archive:
        return set(archive.namelist())


def test_the_zip_contains_the_page_and_email_templates(packaged_files: set[str]) -> None:
    templates = {p.relative_to(PROJECT_DIR).as_posix()
                 for p in (PROJECT_DIR / "templates").rglob("*") if p.is_file()}
    assert templates, "there are templates to ship"
    assert templates <= packaged_files


def test_the_zip_contains_the_compiled_catalogs_and_the_routing(packaged_files: set[str]) -> None:
    assert "locale/de/LC_MESSAGES/messages.mo" in packaged_files
    assert "chalicelib/routing.toml" in packaged_files
    assert "app.py" in packaged_files


def test_the_zip_leaves_out_boto3_botocore_and_the_dev_tools(packaged_files: set[str]) -> None:
    top_level = {name.split("/")[0] for name in packaged_files}
    assert not top_level & {"boto3", "botocore", "s3transfer", "devstack", "tests", "moto"}
