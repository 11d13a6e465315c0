using System.Text.Json;
using System.Text.Json.Serialization;

namespace GpuSharing.Fakes.AmdSmi;

/// <summary>
/// The state file's JSON, generated at compile time: the fake starts once per amd-smi invocation, and reflection-based
/// serialization would spend most of its time compiling itself.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FakeState))]
internal sealed partial class FakeJson : JsonSerializerContext;
