using System.Text.Json.Nodes;

namespace GpuSharing.Fakes.Kubernetes;

/// <summary>One change as a watch stream reports it.</summary>
public sealed record FakeWatchEvent(long ResourceVersion, FakeResourceType Type, string Namespace, string Kind, JsonObject Object);
