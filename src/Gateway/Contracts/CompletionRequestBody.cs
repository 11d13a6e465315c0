using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace GpuSharing.Gateway.Contracts;

/// <summary>
/// The body of <c>POST /v1/completions</c>, as the OpenAI API defines it. The gateway reads <c>model</c> and passes the
/// rest to the model server as it is; only the fields most callers send are listed here.
/// </summary>
public sealed record CompletionRequestBody
{
    [Required]
    public string Model { get; init; } = string.Empty;

    [Required]
    public string Prompt { get; init; } = string.Empty;

    public bool? Stream { get; init; }

    [JsonPropertyName("max_tokens")]
    public int? MaxTokens { get; init; }

    public double? Temperature { get; init; }
}
