using System.Text.Json;
using System.Text.Json.Serialization;
using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Gateway.Http;

/// <summary>A deployment's <c>endpoints</c> as the request spells them: an array of base URLs.</summary>
public sealed class DeclaredEndpointsJsonConverter : JsonConverter<DeclaredEndpoints>
{
    public override DeclaredEndpoints Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        new(JsonSerializer.Deserialize<List<string>>(ref reader, options) ?? []);

    public override void Write(Utf8JsonWriter writer, DeclaredEndpoints value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value.Urls, options);
}
