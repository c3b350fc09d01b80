// The controller's public entry point: what runs its reconcile pass in-process outside its own main
// (the benchmarks). Other projects import the controller only from here, never a file inside it.
export type { ControllerSettings } from './config';
export { LabYamlSource } from './documents/lab-yaml-source';
export { TemplateCatalog } from './documents/template-catalog';
export { ControllerReconciler } from './reconcile/controller-reconciler';
export { ClusterView } from './reconcile/cluster-view';
export { ControllerModule } from './app/controller.module';
export { loadControllerConfig, type ControllerConfig } from './config';
