import React from 'react';
import { Route, Routes } from 'react-router-dom';
import type { AppRootProps } from '@grafana/data';
import { ROUTES, type AppSettings } from '../../constants';

const Overview = React.lazy(() => import('../../pages/Overview'));
const Team = React.lazy(() => import('../../pages/Team'));
const Tasks = React.lazy(() => import('../../pages/Tasks'));
const Settings = React.lazy(() => import('../../pages/Settings'));

export default function App({ meta }: AppRootProps<AppSettings>) {
  const uid = meta.jsonData?.usageDatasourceUid;
  return (
    <Routes>
      <Route path={`${ROUTES.Team}/*`} element={<Team datasourceUid={uid} />} />
      <Route path={ROUTES.Tasks} element={<Tasks datasourceUid={uid} />} />
      <Route path={ROUTES.Settings} element={<Settings datasourceUid={uid} settings={meta.jsonData} />} />
      <Route path="*" element={<Overview datasourceUid={uid} />} />
    </Routes>
  );
}
