using System.ComponentModel.DataAnnotations;

namespace GpuSharing.Gateway.Contracts;

/// <summary>One message of a chat completion request (the OpenAI API's shape; passed to the model server as sent).</summary>
public sealed record ChatMessageRequestBody
{
    [Required]
    public string Role { get; init; } = "user";

    [Required]
    public string Content { get; init; } = string.Empty;
}
