using System.Text.Json;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Bosun.Core.Data;

/// Enums are stored as the same snake_case words the API speaks ("in_progress"), so raw SQL and
/// database consoles read like the product.
public sealed class SnakeCaseEnumConverter<TEnum>() : ValueConverter<TEnum, string>(
    v => EnumNames<TEnum>.ToName(v), v => EnumNames<TEnum>.Parse(v))
    where TEnum : struct, Enum;

public static class EnumNames<TEnum> where TEnum : struct, Enum
{
    private static readonly Dictionary<TEnum, string> Names =
        Enum.GetValues<TEnum>().ToDictionary(v => v, v => JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()));

    private static readonly Dictionary<string, TEnum> Values =
        Names.ToDictionary(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);

    public static IReadOnlyCollection<string> All => Values.Keys;

    public static string ToName(TEnum value) => Names[value];

    public static TEnum Parse(string name) => Values[name];

    public static bool TryParse(string? name, out TEnum value) => Values.TryGetValue(name ?? "", out value);
}

public static class EnumNames
{
    public static string Snake<TEnum>(this TEnum value) where TEnum : struct, Enum => EnumNames<TEnum>.ToName(value);
}
