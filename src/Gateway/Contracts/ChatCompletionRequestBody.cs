using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace GpuSharing.Gateway.Contracts;

/// <summary>
/// The body of <c>POST /v1/chat/completions</c>, as the OpenAI API defines it. The gateway reads <c>model</c> (a
/// deployment's <c>namespace/name</c>, or the model name its servers know) and passes the rest to the model server as
/// it is; only the fields most callers send are listed here.
/// </summary>
public sealed record ChatCompletionRequestBody
{
    [Required]
    public string Model { get; init; } = string.Empty;

    [Required, MinLength(1)]
    public IReadOnlyList<ChatMessageRequestBody> Messages { get; init; } = [];

    public bool? Stream { get; init; }

    [JsonPropertyName("max_tokens")]
    public int? MaxTokens { get; init; }

    public double? Temperature { get; init; }
}
