import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
} from '@nestjs/common';
import { decideAccess } from './dashboard-access.js';
import { accessRequestOf } from './dashboard-request.js';
import { DashboardService } from './dashboard.service.js';

/**
 * Applies the dashboard's own rules (`decideAccess`) after the app's guards and the ones given to
 * `register()`: local-only and read-only without a guard, CSRF on every action.
 */
@Injectable()
export class DashboardAccessGuard implements CanActivate {
  constructor(private readonly dashboard: DashboardService) {}

  canActivate(context: ExecutionContext): boolean {
    const request = accessRequestOf(context.switchToHttp().getRequest());
    const decision = decideAccess(request, {
      guarded: this.dashboard.options.guarded,
      readOnly: this.dashboard.options.readOnly,
      csrfToken: this.dashboard.csrfToken,
    });
    if (!decision.ok) throw new ForbiddenException(decision.reason);
    return true;
  }
}
