"""The Docker API bodies the guard reads, as Go types (API 1.41, plus fields of newer engines).

Every field dockerd decodes must be listed: a field missing here is refused when
non-empty, so a newer engine's new knob is refused until someone decides about it.
"""

from __future__ import annotations

from course.guard.jsonbody import Bool, Ignored, Int, ListOf, MapOf, Str, StrSlice, Struct

S, I, B = Str(), Int(), Bool()
STRS = ListOf(S)
STRMAP = MapOf(S)

THROTTLE = ListOf(Struct({"Path": S, "Rate": I}))

RESOURCES = {
    "CpuShares": I, "Memory": I, "NanoCpus": I, "CgroupParent": S, "BlkioWeight": I,
    "BlkioWeightDevice": ListOf(Struct({"Path": S, "Weight": I})),
    "BlkioDeviceReadBps": THROTTLE, "BlkioDeviceWriteBps": THROTTLE,
    "BlkioDeviceReadIOps": THROTTLE, "BlkioDeviceWriteIOps": THROTTLE,
    "CpuPeriod": I, "CpuQuota": I, "CpuRealtimePeriod": I, "CpuRealtimeRuntime": I,
    "CpusetCpus": S, "CpusetMems": S,
    "Devices": ListOf(Struct({"PathOnHost": S, "PathInContainer": S, "CgroupPermissions": S})),
    "DeviceCgroupRules": STRS,
    "DeviceRequests": ListOf(Struct({
        "Driver": S, "Count": I, "DeviceIDs": STRS, "Capabilities": ListOf(STRS), "Options": STRMAP,
    })),
    "KernelMemory": I, "KernelMemoryTCP": I, "MemoryReservation": I, "MemorySwap": I,
    "MemorySwappiness": I, "OomKillDisable": B, "PidsLimit": I,
    "Ulimits": ListOf(Struct({"Name": S, "Hard": I, "Soft": I})),
    "CpuCount": I, "CpuPercent": I, "IOMaximumIOps": I, "IOMaximumBandwidth": I,
}

MOUNT = Struct({
    "Type": S, "Source": S, "Target": S, "ReadOnly": B, "Consistency": S,
    "BindOptions": Struct({
        "Propagation": S, "NonRecursive": B, "CreateMountpoint": B,
        "ReadOnlyNonRecursive": B, "ReadOnlyForceRecursive": B,
    }),
    "VolumeOptions": Struct({
        "NoCopy": B, "Labels": STRMAP, "DriverConfig": Struct({"Name": S, "Options": STRMAP}), "Subpath": S,
    }),
    "TmpfsOptions": Struct({"SizeBytes": I, "Mode": I, "Options": ListOf(STRS)}),
})

RESTART = Struct({"Name": S, "MaximumRetryCount": I})

HOST_CONFIG_FIELDS = {
    **RESOURCES,
    "Binds": STRS, "ContainerIDFile": S, "LogConfig": Struct({"Type": S, "Config": STRMAP}),
    "NetworkMode": S, "PortBindings": MapOf(ListOf(Struct({"HostIp": S, "HostPort": S}))),
    "RestartPolicy": RESTART, "AutoRemove": B, "VolumeDriver": S, "VolumesFrom": STRS,
    "ConsoleSize": ListOf(I), "Annotations": STRMAP, "CapAdd": StrSlice(), "CapDrop": StrSlice(),
    "CgroupnsMode": S, "Dns": STRS, "DnsOptions": STRS, "DnsSearch": STRS, "ExtraHosts": STRS,
    "GroupAdd": STRS, "IpcMode": S, "Cgroup": S, "Links": STRS, "OomScoreAdj": I, "PidMode": S,
    "Privileged": B, "PublishAllPorts": B, "ReadonlyRootfs": B, "SecurityOpt": STRS,
    "StorageOpt": STRMAP, "Tmpfs": STRMAP, "UTSMode": S, "UsernsMode": S, "ShmSize": I,
    "Sysctls": STRMAP, "Runtime": S, "Isolation": S, "Mounts": ListOf(MOUNT),
    "MaskedPaths": STRS, "ReadonlyPaths": STRS, "Init": B,
}
HOST_CONFIG = Struct(HOST_CONFIG_FIELDS)

ENDPOINT = Struct({
    "IPAMConfig": Struct({"IPv4Address": S, "IPv6Address": S, "LinkLocalIPs": STRS}),
    "Links": STRS, "Aliases": STRS, "MacAddress": S, "DriverOpts": STRMAP, "NetworkID": S,
    "EndpointID": S, "Gateway": S, "IPAddress": S, "IPPrefixLen": I, "IPv6Gateway": S,
    "GlobalIPv6Address": S, "GlobalIPv6PrefixLen": I, "DNSNames": STRS, "GwPriority": I,
})

CONFIG_FIELDS = {
    "Hostname": S, "Domainname": S, "User": S, "AttachStdin": B, "AttachStdout": B,
    "AttachStderr": B, "ExposedPorts": MapOf(Ignored()), "Tty": B, "OpenStdin": B, "StdinOnce": B,
    "Env": STRS, "Cmd": StrSlice(),
    "Healthcheck": Struct({
        "Test": STRS, "Interval": I, "Timeout": I, "StartPeriod": I, "StartInterval": I, "Retries": I,
    }),
    "ArgsEscaped": B, "Image": S, "Volumes": MapOf(Ignored()), "WorkingDir": S,
    "Entrypoint": StrSlice(), "NetworkDisabled": B, "MacAddress": S, "OnBuild": STRS,
    "Labels": STRMAP, "StopSignal": S, "StopTimeout": I, "Shell": StrSlice(),
}

# dockerd 20.10 also decodes HostConfig fields at the top level of a create body (a deprecated
# embedded struct) and uses them when "HostConfig" is absent: the guard refuses them there.
_TOP_LEVEL_HINT = "Put HostConfig fields inside \"HostConfig\", where the guard checks them"

CONTAINER_CREATE = Struct(
    {
        **CONFIG_FIELDS,
        "HostConfig": HOST_CONFIG,
        "NetworkingConfig": Struct({"EndpointsConfig": MapOf(ENDPOINT)}),
    },
    hints={**{name: _TOP_LEVEL_HINT for name in HOST_CONFIG_FIELDS}, "Cpuset": _TOP_LEVEL_HINT},
)

CONTAINER_UPDATE = Struct({**RESOURCES, "RestartPolicy": RESTART})

EXEC_CREATE = Struct({
    "User": S, "Privileged": B, "Tty": B, "ConsoleSize": ListOf(I), "AttachStdin": B,
    "AttachStderr": B, "AttachStdout": B, "Detach": B, "DetachKeys": S, "Env": STRS,
    "WorkingDir": S, "Cmd": StrSlice(), "Container": S,  # docker-py sends Container; dockerd ignores it
})

EXEC_START = Struct({"Detach": B, "Tty": B, "ConsoleSize": ListOf(I)})

NETWORK_CREATE = Struct({
    "Name": S, "CheckDuplicate": B, "Driver": S, "Scope": S, "EnableIPv6": B, "EnableIPv4": B,
    "IPAM": Struct({
        "Driver": S, "Options": STRMAP,
        "Config": ListOf(Struct({"Subnet": S, "IPRange": S, "Gateway": S, "AuxiliaryAddresses": STRMAP})),
    }),
    "Internal": B, "Attachable": B, "Ingress": B, "ConfigOnly": B,
    "ConfigFrom": Struct({"Network": S}), "Options": STRMAP, "Labels": STRMAP,
})

NETWORK_CONNECT = Struct({"Container": S, "EndpointConfig": ENDPOINT})
NETWORK_DISCONNECT = Struct({"Container": S, "Force": B})

VOLUME_CREATE = Struct({"Name": S, "Driver": S, "DriverOpts": STRMAP, "Labels": STRMAP})
