#!/usr/bin/env python3
"""A mixed group with Java Connect 4.3.1 (log4j2 launch, as benchlib runs 4.x) and kconnect
workers on the Kafka 4.4.0 broker (issue 13): Java 4.3.1 leading, then kconnect leading; tasks
spread over all three, kill -9 of a member moves them, no line lost; the same status on every
worker, plugin versions included (both answer as Connect 4.x).
# kctest: run-serial  (JVM workers, group timeouts)
# kctest: plain-build-only  (mostly Java workers; see CMakeLists.txt)
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kctest  # noqa: E402
from test_mixed_protocols import scenario  # noqa: E402


def test_java4_leads():
    scenario(["java-4.3.1:sessioned", "kc:sessioned", "kc:sessioned"], "sessioned", strict_versions=True)


def test_kconnect_leads_java4():
    scenario(["kc:sessioned", "java-4.3.1:sessioned", "kc:sessioned"], "sessioned", kill="kc",
             strict_versions=True)


if __name__ == "__main__":
    kctest.main([test_java4_leads, test_kconnect_leads_java4])
