"""Drives a CML controller with Cisco's official client (virl2-client, pinned in bootstrap).

Environment: CML_URL (base URL, e.g. http://127.0.0.1:4321/), CML_USERNAME, CML_PASSWORD.
Authenticates, imports a lab from YAML, starts it, waits until every node is BOOTED, stops, wipes
and deletes it, reads system health and licensing. Prints one JSON line with what it saw and exits
non-zero (with the client's exception) if any step fails: the emulator must satisfy the real client.
"""

import json
import os
import sys
import time

from virl2_client import ClientLibrary
from virl2_client.exceptions import LabNotFound

LAB_YAML = """
lab:
  title: virl2-client check
  description: imported by the official client
  notes: ''
  version: 0.3.0
nodes:
  - id: n0
    label: r1
    node_definition: iosv
    x: 0
    y: 0
    tags: [serial:5041]
    interfaces:
      - id: i0
        label: Loopback0
        type: loopback
      - id: i1
        label: GigabitEthernet0/0
        slot: 0
        type: physical
  - id: n1
    label: desktop
    node_definition: desktop
    x: 100
    y: 0
    tags: [serial:5042, vnc:5044]
    interfaces:
      - id: i0
        label: eth0
        slot: 0
        type: physical
links:
  - id: l0
    n1: n0
    n2: n1
    i1: i1
    i2: i0
    label: r1-desktop
"""


def main() -> int:
    client = ClientLibrary(
        os.environ["CML_URL"],
        os.environ["CML_USERNAME"],
        os.environ["CML_PASSWORD"],
        ssl_verify=False,
        allow_http=True,
        raise_for_auth_failure=True,
        convergence_wait_time=0.1,
        convergence_wait_max_iter=300,
    )
    seen = {"username": client.username, "version": str(client._session.controller_version)}

    lab = client.import_lab(LAB_YAML, title="virl2-client check")
    seen["labId"] = lab.id
    seen["nodes"] = sorted(node.label for node in lab.nodes())
    seen["links"] = len(lab.links())
    assert seen["nodes"] == ["desktop", "r1"], seen
    assert seen["links"] == 1, seen
    assert lab.state() == "DEFINED_ON_CORE", lab.state()
    assert lab.id in client.get_lab_list()

    lab.start(wait=True)
    deadline = time.time() + 30
    while True:
        lab.sync_states()
        states = {node.label: node.state for node in lab.nodes()}
        if all(state == "BOOTED" for state in states.values()):
            break
        if time.time() > deadline:
            raise RuntimeError(f"nodes never booted: {states}")
        time.sleep(0.1)
    seen["booted"] = states
    assert lab.state() == "STARTED", lab.state()
    assert lab.is_active()

    lab.stop(wait=True)
    assert lab.state() == "STOPPED", lab.state()
    lab.wipe(wait=True)
    assert lab.state() == "DEFINED_ON_CORE", lab.state()
    lab_id = lab.id
    lab.remove()
    assert lab_id not in client.get_lab_list()
    try:
        client.join_existing_lab(lab_id)
        raise AssertionError("a deleted lab can still be joined")
    except LabNotFound:
        pass

    health = client.get_system_health()
    assert health["valid"] is True, health
    seen["health"] = {"valid": health["valid"], "is_licensed": health["is_licensed"]}
    licensing = client.licensing.status()
    seen["licensing"] = {
        "product": licensing["product_license"]["active"],
        "features": [(f["name"], f["max"]) for f in licensing["features"]],
    }
    assert licensing["authorization"]["status"] == "IN_COMPLIANCE", licensing
    print(json.dumps(seen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
