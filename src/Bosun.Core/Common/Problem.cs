namespace Bosun.Core.Common;

/// An error a user caused or must know about, carried to the edge and answered as RFC 7807 problem details.
/// Throwing it rolls back the request's transaction, so nothing half-written survives.
public class ProblemException(int status, string title, string? detail = null, string? type = null) : Exception(detail ?? title)
{
    public int Status { get; } = status;
    public string Title { get; } = title;
    public string? Detail { get; } = detail;
    public string Type { get; } = type ?? "about:blank";
    public IDictionary<string, string[]> Errors { get; } = new Dictionary<string, string[]>();
    public IDictionary<string, object?> Extensions { get; } = new Dictionary<string, object?>();
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>();

    public static ProblemException Invalid(string field, string message) =>
        new ValidationProblem().Add(field, message).ToException();

    public static ProblemException NotFound(string what) =>
        new(404, "Not found", $"{what} was not found.", "/problems/not-found");

    public static ProblemException Conflict(string detail, string type = "/problems/conflict") =>
        new(409, "Conflict", detail, type);

    public static ProblemException Forbidden(string detail) =>
        new(403, "Forbidden", detail, "/problems/forbidden");
}

/// Collects every field error of one request so a client can fix them all at once.
public sealed class ValidationProblem
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool HasErrors => _errors.Count > 0;

    public ValidationProblem Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
        return this;
    }

    /// Takes in the errors of one part of a request, each field named under <paramref name="prefix"/> (e.g. "items[3].").
    public void AddAll(string prefix, ValidationProblem part)
    {
        foreach (var (field, messages) in part._errors)
        {
            messages.ForEach(m => Add(prefix + field, m));
        }
    }

    public ProblemException ToException()
    {
        var fields = string.Join(", ", _errors.Keys);
        var problem = new ProblemException(400, "Invalid request", $"Invalid value for: {fields}.", "/problems/validation");
        foreach (var (field, messages) in _errors)
        {
            problem.Errors[field] = [.. messages];
        }

        return problem;
    }

    public void ThrowIfAny()
    {
        if (HasErrors)
        {
            throw ToException();
        }
    }
}
