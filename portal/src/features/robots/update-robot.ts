import { api } from '../../api/client.ts';
import type { Robot } from '../../api/types.ts';

/** Harbor's PUT /robots/{id} takes the whole robot: whatever `changes` leaves out goes back as it is. */
export async function updateRobot(robot: Robot, changes: Partial<Pick<Robot, 'description' | 'duration' | 'permissions' | 'disable'>>): Promise<void> {
  await api.put(`/api/v2.0/robots/${robot.id}`, {
    name: robot.name,
    level: robot.level,
    description: robot.description ?? '',
    duration: robot.duration,
    permissions: robot.permissions,
    disable: robot.disable,
    ...changes,
  });
}
