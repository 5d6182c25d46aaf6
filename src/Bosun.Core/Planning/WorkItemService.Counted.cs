using Bosun.Core.Common;

namespace Bosun.Core.Planning;

public sealed partial class WorkItemService
{
    /// One item a deliverable's period counts when it is done, made on Bosun's own account for a deliverable without a
    /// template (one with a template gets a pipeline per counted item instead, see <see cref="CreatePipelineAsync"/>).
    internal async Task<WorkItemView> CreateCountedAsync(CreateWorkItem request, string deliverablePeriodId, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        var draft = await DraftAsync(request, byCaller: false, problem, ct);
        problem.ThrowIfAny();
        draft.Item.DeliverablePeriodId = deliverablePeriodId;
        await AllocateKeysAsync([draft.Item], ct);
        return (await InsertAsync([draft], ct))[0];
    }
}
