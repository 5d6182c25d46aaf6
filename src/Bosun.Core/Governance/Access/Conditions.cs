using System.Globalization;
using System.Net;
using System.Text.Json;
using Bosun.Core.Common;

namespace Bosun.Core.Governance.Access;

/// What a condition looks at: the acting principal, the resource acted on, or the request.
public enum AttributeScope { Principal, Resource, Context }

/// The attributes one decision is made over. Values are strings, numbers (double), booleans or string arrays (labels).
public interface IAttributes
{
    object? Get(string key);
}

public sealed class AttributeBag(IReadOnlyDictionary<string, object?> values) : IAttributes
{
    public static readonly AttributeBag Empty = new(new Dictionary<string, object?>());

    public IReadOnlyDictionary<string, object?> Values => values;

    public object? Get(string key) => values.TryGetValue(key, out var value) ? value : null;
}

/// One compiled condition, `scope.key {op: value}`. Conditions of a policy all have to hold.
public sealed class Condition
{
    private enum Op { Eq, Ne, In, Nin, Gt, Gte, Lt, Lte, Exists }

    private readonly Op _op;
    private readonly object? _value;
    private readonly object?[] _set = [];

    private Condition(AttributeScope scope, string key, Op op, object? value, object?[]? set)
    {
        Scope = scope;
        Key = key;
        _op = op;
        _value = value;
        _set = set ?? [];
    }

    public AttributeScope Scope { get; }
    public string Key { get; }

    public static readonly IReadOnlyList<string> Operators = ["$eq", "$ne", "$in", "$nin", "$gt", "$gte", "$lt", "$lte", "$exists"];

    /// Parses `{"principal.department": {"$eq": "engineering"}, "resource.status": {"$in": [...]}}`; a bare value means
    /// `$eq`. Each problem names its path under <paramref name="field"/>, e.g. `conditions.resource.status.$in`.
    public static IReadOnlyList<Condition> ParseAll(JsonElement conditions, string field, ValidationProblem problem)
    {
        var parsed = new List<Condition>();
        if (conditions.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return parsed;
        }

        if (conditions.ValueKind != JsonValueKind.Object)
        {
            problem.Add(field, "must be an object of attribute paths, e.g. {\"resource.status\": {\"$in\": [\"todo\"]}}");
            return parsed;
        }

        foreach (var property in conditions.EnumerateObject())
        {
            var path = $"{field}.{property.Name}";
            if (!TryPath(property.Name, out var scope, out var key))
            {
                problem.Add(path, "must be principal.NAME, resource.NAME or context.NAME (letters, digits and underscores)");
                continue;
            }

            if (property.Value.ValueKind != JsonValueKind.Object)
            {
                if (Attributes.Scalar(property.Value) is { } bare || property.Value.ValueKind == JsonValueKind.Null)
                {
                    parsed.Add(new Condition(scope, key, Op.Eq, Attributes.Scalar(property.Value), null));
                }
                else
                {
                    problem.Add(path, "must be a string, number, boolean or an object of operators");
                }

                continue;
            }

            var any = false;
            foreach (var operation in property.Value.EnumerateObject())
            {
                any = true;
                var at = $"{path}.{operation.Name}";
                var value = operation.Value;
                switch (operation.Name)
                {
                    case "$eq" or "$ne":
                        if (value.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
                        {
                            problem.Add(at, "must be a string, number, boolean or null");
                            break;
                        }

                        parsed.Add(new Condition(scope, key, operation.Name == "$eq" ? Op.Eq : Op.Ne, Attributes.Scalar(value), null));
                        break;
                    case "$in" or "$nin":
                        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() is 0 or > 1000
                            || value.EnumerateArray().Any(v => Attributes.Scalar(v) is null))
                        {
                            problem.Add(at, "must be an array of 1 to 1,000 strings, numbers or booleans");
                            break;
                        }

                        var set = value.EnumerateArray().Select(Attributes.Scalar).ToArray();
                        if (scope == AttributeScope.Context && key == "ip" && set.Any(s => s is not string text || !IsAddressOrRange(text)))
                        {
                            problem.Add(at, "must hold IP addresses or ranges such as 10.0.0.0/8");
                            break;
                        }

                        parsed.Add(new Condition(scope, key, operation.Name == "$in" ? Op.In : Op.Nin, null, set));
                        break;
                    case "$gt" or "$gte" or "$lt" or "$lte":
                        if (value.ValueKind != JsonValueKind.Number)
                        {
                            problem.Add(at, "must be a number");
                            break;
                        }

                        var op = operation.Name switch { "$gt" => Op.Gt, "$gte" => Op.Gte, "$lt" => Op.Lt, _ => Op.Lte };
                        parsed.Add(new Condition(scope, key, op, value.GetDouble(), null));
                        break;
                    case "$exists":
                        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                        {
                            problem.Add(at, "must be true or false");
                            break;
                        }

                        parsed.Add(new Condition(scope, key, Op.Exists, value.GetBoolean(), null));
                        break;
                    default:
                        problem.Add(at, $"is not an operator; use one of {string.Join(", ", Operators)}");
                        break;
                }
            }

            if (!any)
            {
                problem.Add(path, "needs at least one operator");
            }
        }

        return parsed;
    }

    public bool Holds(IAttributes principal, IAttributes resource, IAttributes context)
    {
        var actual = (Scope switch
        {
            AttributeScope.Principal => principal,
            AttributeScope.Resource => resource,
            _ => context,
        }).Get(Key);

        return _op switch
        {
            Op.Eq => EqualTo(actual, _value),
            Op.Ne => !EqualTo(actual, _value),
            Op.In => InSet(actual),
            Op.Nin => !InSet(actual),
            Op.Gt => actual is double a && a > (double)_value!,
            Op.Gte => actual is double b && b >= (double)_value!,
            Op.Lt => actual is double c && c < (double)_value!,
            Op.Lte => actual is double d && d <= (double)_value!,
            _ => (actual is not null) == (bool)_value!,
        };
    }

    private static bool EqualTo(object? actual, object? expected) => actual switch
    {
        null => expected is null,
        string[] many => expected is string one && Array.IndexOf(many, one) >= 0,
        _ => Equals(actual, expected),
    };

    private bool InSet(object? actual)
    {
        if (actual is string[] many)
        {
            foreach (var one in many)
            {
                if (Array.IndexOf(_set, one) >= 0)
                {
                    return true;
                }
            }

            return false;
        }

        if (actual is null)
        {
            return false;
        }

        if (Scope == AttributeScope.Context && Key == "ip" && actual is string address)
        {
            return _set.Any(range => InRange(address, (string)range!));
        }

        return Array.IndexOf(_set, actual) >= 0;
    }

    private static bool TryPath(string path, out AttributeScope scope, out string key)
    {
        scope = default;
        key = "";
        var dot = path.IndexOf('.');
        if (dot <= 0)
        {
            return false;
        }

        switch (path[..dot])
        {
            case "principal": scope = AttributeScope.Principal; break;
            case "resource": scope = AttributeScope.Resource; break;
            case "context": scope = AttributeScope.Context; break;
            default: return false;
        }

        key = path[(dot + 1)..];
        return key.Length is > 0 and <= 63 && key.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');
    }

    private static bool IsAddressOrRange(string text) =>
        IPAddress.TryParse(text, out _) || IPNetwork.TryParse(text, out _);

    private static bool InRange(string address, string range)
    {
        if (!IPAddress.TryParse(address, out var ip))
        {
            return false;
        }

        if (IPNetwork.TryParse(range, out var network))
        {
            return network.Contains(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip);
        }

        return IPAddress.TryParse(range, out var single) && single.Equals(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Scope.ToString().ToLowerInvariant()}.{Key} {_op}");
}
